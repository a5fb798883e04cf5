// Submitting a form to the API: one request at a time (the submit button is disabled while pending), and the
// API's error shown next to the form in a live region so screen readers announce it. Validation failures
// (`details` is a list of `{ path, message }`) are also attached to the matching inputs.
import { sameOriginPath } from '../../src/domain/redirects';
import { ApiError } from './api';
import type { ValidationIssue } from './api-types';
import { el } from './dom';

export interface FormBinding {
  form: HTMLFormElement;
  /** Element with role="alert" that holds the form-level error. */
  status: HTMLElement;
  pendingLabel: string;
  submit: (data: FormData) => Promise<void>;
}

function validationIssues(details: unknown): ValidationIssue[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (issue): issue is ValidationIssue =>
      typeof issue === 'object' && issue !== null && typeof issue.path === 'string' && typeof issue.message === 'string',
  );
}

function clearFieldErrors(form: HTMLFormElement): void {
  for (const message of form.querySelectorAll('.field-error')) message.remove();
  for (const input of form.querySelectorAll<HTMLElement>('[aria-invalid="true"]')) {
    input.removeAttribute('aria-invalid');
    const describedBy = (input.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => !id.endsWith('-server-error'));
    if (describedBy.length) input.setAttribute('aria-describedby', describedBy.join(' '));
    else input.removeAttribute('aria-describedby');
  }
}

function showFieldErrors(form: HTMLFormElement, issues: ValidationIssue[]): void {
  for (const issue of issues) {
    const input = form.elements.namedItem(issue.path.split('.')[0] ?? '');
    if (!(input instanceof HTMLInputElement || input instanceof HTMLSelectElement || input instanceof HTMLTextAreaElement)) continue;
    const id = `${input.id || input.name}-server-error`;
    if (document.getElementById(id)) continue;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
    input.insertAdjacentElement('afterend', el('p', { class: 'field-error', id }, issue.message));
  }
}

function describeError(error: unknown): { message: string; issues: ValidationIssue[] } {
  if (error instanceof ApiError) {
    const issues = validationIssues(error.details);
    return { message: error.message, issues };
  }
  return { message: 'Something went wrong. Please try again.', issues: [] };
}

export function bindForm({ form, status, pendingLabel, submit }: FormBinding): void {
  const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
  const idleLabel = button?.textContent ?? '';
  let pending = false;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (pending) return;
    pending = true;
    status.textContent = '';
    clearFieldErrors(form);
    form.setAttribute('aria-busy', 'true');
    if (button) {
      button.disabled = true;
      button.textContent = pendingLabel;
    }
    try {
      await submit(new FormData(form));
    } catch (error) {
      const { message, issues } = describeError(error);
      status.textContent = message;
      showFieldErrors(form, issues);
    } finally {
      pending = false;
      form.removeAttribute('aria-busy');
      if (button) {
        button.disabled = false;
        button.textContent = idleLabel;
      }
    }
  });
}

/** A form field's value as a trimmed string ('' when absent). */
export function field(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * Where to go after signing in: the `next` query parameter when it is a path on this site, else home.
 * Only same-origin paths are followed, so a crafted link cannot bounce a fresh session to another site.
 */
export function nextDestination(search = window.location.search): string {
  return sameOriginPath(new URLSearchParams(search).get('next'), window.location.origin);
}
