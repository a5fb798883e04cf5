// The studio's edit form, in a modal dialog: a video's details (PATCH /videos/{id}) and its buy and rent prices
// (PUT /videos/{id}/prices). Only what changed is sent; the API's errors are shown in the form, next to the
// field they concern when the API names one.
import { ApiError, apiRequest } from '../api';
import type { Video } from '../api-types';
import { byId } from '../dom';
import { bindForm, field } from '../forms';
import { parseAmountInput, toAmountInput } from './money';
import type { VideoPrices } from './types';

/** What a rental lasts when the creator prices one for the first time. */
const NEW_RENTAL_HOURS = 48;
const DEFAULT_CURRENCY = 'USD';

export interface EditResult {
  video: Video;
  pricesChanged: boolean;
}

const dialog = byId<HTMLDialogElement>('edit-dialog');
const form = byId<HTMLFormElement>('edit-form');
const errorBox = byId('edit-error');
const inputs = {
  title: byId<HTMLInputElement>('edit-title'),
  description: byId<HTMLTextAreaElement>('edit-description'),
  tags: byId<HTMLInputElement>('edit-tags'),
  language: byId<HTMLInputElement>('edit-language'),
  visibility: byId<HTMLSelectElement>('edit-visibility'),
  purchase: byId<HTMLInputElement>('edit-purchase'),
  rental: byId<HTMLInputElement>('edit-rental'),
  rentalHours: byId<HTMLInputElement>('edit-rental-hours'),
  currency: byId<HTMLInputElement>('edit-currency'),
};

let editing: { video: Video; prices: VideoPrices; onSaved: (result: EditResult) => void } | null = null;

for (const button of dialog.querySelectorAll('[data-close]')) button.addEventListener('click', () => dialog.close());

function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((tag) => tag.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}

/** A mistake caught before sending, shown the way the API's validation failures are. */
function invalidField(path: string, message: string): ApiError {
  return new ApiError(400, 'validation_failed', message, [{ location: 'body', path, message }]);
}

function videoChanges(video: Video, data: FormData): Partial<Pick<Video, 'title' | 'description' | 'tags' | 'language' | 'visibility'>> {
  const changes: Partial<Pick<Video, 'title' | 'description' | 'tags' | 'language' | 'visibility'>> = {};
  const title = field(data, 'title');
  if (!title) throw invalidField('title', 'Give the video a title.');
  if (title !== video.title) changes.title = title;
  const description = String(data.get('description') ?? '');
  if (description !== video.description) changes.description = description;
  const tags = parseTags(field(data, 'tags'));
  if (tags.join(',') !== video.tags.join(',')) changes.tags = tags;
  const language = field(data, 'language');
  if (language !== video.language) changes.language = language;
  const visibility = field(data, 'visibility') as Video['visibility'];
  if (visibility !== video.visibility) changes.visibility = visibility;
  return changes;
}

type PriceChanges = {
  purchase?: { amount: number; currency: string } | null;
  rental?: { amount: number; currency: string; rentalHours: number } | null;
};

function priceChanges(prices: VideoPrices, data: FormData): PriceChanges {
  const currency = field(data, 'currency').toUpperCase() || DEFAULT_CURRENCY;
  if (!/^[A-Z]{3}$/.test(currency)) throw invalidField('currency', 'Use a three-letter currency code such as USD or EUR.');
  const amountOf = (name: 'purchase' | 'rental') => {
    try {
      return parseAmountInput(field(data, name), currency);
    } catch (error) {
      throw invalidField(name, (error as Error).message);
    }
  };
  const purchaseAmount = amountOf('purchase');
  const rentalAmount = amountOf('rental');
  const rentalHours = Number(field(data, 'rentalHours') || NEW_RENTAL_HOURS);
  if (rentalAmount !== null && !(Number.isInteger(rentalHours) && rentalHours >= 1)) {
    throw invalidField('rentalHours', 'Rental hours are a whole number of hours, at least 1.');
  }

  const changes: PriceChanges = {};
  const purchase = purchaseAmount === null ? null : { amount: purchaseAmount, currency };
  if (JSON.stringify(purchase) !== JSON.stringify(prices.purchase)) changes.purchase = purchase;
  const rental = rentalAmount === null ? null : { amount: rentalAmount, currency, rentalHours };
  const current = prices.rental && { ...prices.rental, rentalHours: prices.rental.rentalHours ?? rentalHours };
  if (JSON.stringify(rental) !== JSON.stringify(current)) changes.rental = rental;
  return changes;
}

bindForm({
  form,
  status: errorBox,
  pendingLabel: 'Saving…',
  async submit(data) {
    if (!editing) return;
    const { prices, onSaved } = editing;
    let { video } = editing;
    // Both checked before anything is sent, so a bad price does not leave the details half saved.
    const changes = videoChanges(video, data);
    const newPrices = priceChanges(prices, data);
    if (Object.keys(changes).length > 0) {
      video = await apiRequest<Video>(`/videos/${encodeURIComponent(video.id)}`, { method: 'PATCH', body: changes });
      editing.video = video;
    }
    const pricesChanged = Object.keys(newPrices).length > 0;
    if (pricesChanged) {
      try {
        await apiRequest(`/videos/${encodeURIComponent(video.id)}/prices`, { method: 'PUT', body: newPrices });
      } catch (error) {
        // The details were saved already: show them in the list even though the dialog stays open on the error.
        if (Object.keys(changes).length > 0) onSaved({ video, pricesChanged: false });
        throw error;
      }
    }
    onSaved({ video, pricesChanged });
    dialog.close();
  },
});

export function openEditor(video: Video, prices: VideoPrices, onSaved: (result: EditResult) => void): void {
  editing = { video, prices, onSaved };
  form.reset();
  errorBox.textContent = '';
  for (const message of form.querySelectorAll('.field-error')) message.remove();
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  byId('edit-dialog-title').textContent = `Edit “${video.title}”`;
  inputs.title.value = video.title;
  inputs.description.value = video.description;
  inputs.tags.value = video.tags.join(', ');
  inputs.language.value = video.language;
  inputs.visibility.value = video.visibility;
  const currency = prices.purchase?.currency ?? prices.rental?.currency ?? DEFAULT_CURRENCY;
  inputs.currency.value = currency;
  inputs.purchase.value = prices.purchase ? toAmountInput(prices.purchase.amount, prices.purchase.currency) : '';
  inputs.rental.value = prices.rental ? toAmountInput(prices.rental.amount, prices.rental.currency) : '';
  inputs.rentalHours.value = String(prices.rental?.rentalHours ?? NEW_RENTAL_HOURS);
  dialog.showModal();
  inputs.title.focus();
}
