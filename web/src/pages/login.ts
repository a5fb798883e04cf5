import { api } from '../api';
import { byId } from '../dom';
import { bindForm, field, nextDestination } from '../forms';
import { mountLayout } from '../layout';

mountLayout();

const form = byId<HTMLFormElement>('login-form');
// Carry the return address over to the sign-up link, so either path ends where the user started.
byId<HTMLAnchorElement>('signup-link').search = window.location.search;

bindForm({
  form,
  status: byId('login-error'),
  pendingLabel: 'Signing in…',
  async submit(data) {
    // Passwords are sent exactly as typed: leading or trailing spaces may be part of them.
    await api.login(field(data, 'email'), String(data.get('password') ?? ''));
    window.location.assign(nextDestination());
  },
});
