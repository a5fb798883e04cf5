// The frame every page shares: skip link, header (brand, navigation, account), footer. Pages ship an empty
// `<header id="site-header">` and `<footer id="site-footer">` and call `mountLayout()` first thing; the header
// re-renders whenever the session changes (sign in, sign out, another tab signing out).
import { ApiError, api } from './api';
import type { User } from './api-types';
import { el } from './dom';
import { isCurrentPage, visibleNavEntries } from './nav';
import { session } from './session';

const AUTH_PAGES = ['/login/', '/signup/'];

/** Link to an auth page that brings the user back here afterwards (not when already on an auth page). */
function authLink(path: string): string {
  const here = window.location.pathname;
  if (AUTH_PAGES.some((page) => isCurrentPage(page, here))) return path;
  return `${path}?next=${encodeURIComponent(here + window.location.search)}`;
}

function renderNav(user: User | null): HTMLElement {
  const items = visibleNavEntries(user).map((entry) => {
    const current = isCurrentPage(entry.href, window.location.pathname);
    return el('li', {}, el('a', { href: entry.href, 'aria-current': current ? 'page' : null }, entry.label));
  });
  return el('nav', { class: 'site-nav', 'aria-label': 'Main' }, el('ul', {}, ...items));
}

function renderAccount(user: User | null): HTMLElement {
  if (!user) {
    return el(
      'div',
      { class: 'account' },
      el('a', { href: authLink('/login/'), class: 'account__link' }, 'Sign in'),
      el('span', { class: 'account__separator', 'aria-hidden': 'true' }, '/'),
      el('a', { href: authLink('/signup/'), class: 'button button--small' }, 'Sign up'),
    );
  }
  const signOut = el('button', { type: 'button', class: 'button button--small button--quiet' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    signOut.disabled = true;
    signOut.textContent = 'Signing out…';
    await api.logout();
    // The header re-renders through the session subscription; keep keyboard focus somewhere sensible.
    document.querySelector<HTMLElement>('.account a')?.focus();
  });
  return el(
    'div',
    { class: 'account' },
    el(
      'span',
      { class: 'account__user' },
      el('span', { class: 'account__name' }, user.displayName),
      ' ',
      el('span', { class: `role-badge role-badge--${user.role}` }, el('span', { class: 'visually-hidden' }, 'role: '), user.role),
    ),
    signOut,
  );
}

function renderHeader(header: HTMLElement, user: User | null): void {
  header.replaceChildren(
    el(
      'div',
      { class: 'site-header__inner' },
      el('a', { href: '/', class: 'brand' }, el('span', { class: 'brand__mark', 'aria-hidden': 'true' }, '▶'), 'VibeStream'),
      renderNav(user),
      renderAccount(user),
    ),
  );
}

function renderFooter(footer: HTMLElement): void {
  footer.replaceChildren(
    el(
      'div',
      { class: 'site-footer__inner' },
      el('p', {}, 'VibeStream — video delivered from the edge and shared between viewers.'),
      el(
        'ul',
        { class: 'site-footer__links' },
        el('li', {}, el('a', { href: '/docs/' }, 'API docs')),
        el('li', {}, el('a', { href: '/api/v1/openapi.json' }, 'OpenAPI document')),
        el('li', {}, el('a', { href: '/api/v1/health' }, 'Service health')),
      ),
    ),
  );
}

/** Confirms a stored session with the API: picks up role changes, ends sessions the server no longer accepts. */
async function confirmSession(): Promise<void> {
  if (!session.user && !session.refreshToken) return;
  try {
    await api.me();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) session.clear();
    // Other failures (offline, 5xx) keep the cached user: the next request will tell.
  }
}

export function mountLayout(): void {
  if (!document.querySelector('.skip-link')) {
    document.body.prepend(el('a', { class: 'skip-link', href: '#main' }, 'Skip to content'));
  }
  const header = document.getElementById('site-header');
  const footer = document.getElementById('site-footer');
  if (header) {
    renderHeader(header, session.user);
    session.subscribe((user) => renderHeader(header, user));
  }
  if (footer) renderFooter(footer);
  void confirmSession();
}
