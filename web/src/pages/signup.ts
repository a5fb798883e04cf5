import { api } from '../api';
import { byId } from '../dom';
import { bindForm, field, nextDestination } from '../forms';
import { mountLayout } from '../layout';
import { bindStrengthMeter } from '../password-strength-meter';

mountLayout();

const form = byId<HTMLFormElement>('signup-form');
byId<HTMLAnchorElement>('login-link').search = window.location.search;

bindStrengthMeter({
  password: byId<HTMLInputElement>('signup-password'),
  userInputs: [byId<HTMLInputElement>('signup-email'), byId<HTMLInputElement>('signup-name')],
  meter: byId<HTMLMeterElement>('signup-password-meter'),
  verdict: byId('signup-password-verdict'),
  container: byId('signup-password-strength'),
});

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
