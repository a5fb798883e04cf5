import { api } from '../api';
import { byId } from '../dom';
import { bindForm, field, nextDestination } from '../forms';
import { mountLayout } from '../layout';

mountLayout();

const form = byId<HTMLFormElement>('signup-form');
byId<HTMLAnchorElement>('login-link').search = window.location.search;

bindForm({
  form,
  status: byId('signup-error'),
  pendingLabel: 'Creating account…',
  async submit(data) {
    await api.signup({
      email: field(data, 'email'),
      password: String(data.get('password') ?? ''),
      displayName: field(data, 'displayName'),
      role: field(data, 'role') === 'creator' ? 'creator' : 'viewer',
    });
    window.location.assign(nextDestination());
  },
});
