// The password strength meter of the sign-up form: the same estimator and the same floor the API applies
// (src/domain/password-strength.ts), so what the meter calls strong enough is what the API accepts. The estimator
// and its dictionary (a few hundred KB) are a chunk of their own, fetched when the password field is first used:
// pages that never ask for a new password, the sign-in page among them, never load it.
import type { PasswordStrength } from '../../src/domain/password-strength';
import './password-strength-meter.css';

type Estimator = typeof import('../../src/domain/password-strength');

const VERDICTS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;

export interface StrengthMeterElements {
  password: HTMLInputElement;
  /** Inputs whose values the password must not lean on (email, display name). */
  userInputs: HTMLInputElement[];
  meter: HTMLMeterElement;
  verdict: HTMLElement;
  container: HTMLElement;
}

export function bindStrengthMeter({ password, userInputs, meter, verdict, container }: StrengthMeterElements): void {
  let estimator: Promise<Estimator> | undefined;
  let latest = 0;

  async function update(): Promise<void> {
    const value = password.value;
    const run = ++latest;
    if (!value) {
      container.hidden = true;
      return;
    }
    estimator ??= import('../../src/domain/password-strength');
    const { passwordStrength, weakPasswordMessage } = await estimator;
    const strength: PasswordStrength = await passwordStrength(
      value,
      userInputs.map((input) => input.value),
    );
    // A newer keystroke already started its own estimate.
    if (run !== latest) return;
    container.hidden = false;
    meter.value = strength.score;
    container.dataset.acceptable = String(strength.acceptable);
    const reason = weakPasswordMessage(strength)?.replace(/^This password is too weak: /, '');
    verdict.textContent = strength.acceptable ? `${VERDICTS[strength.score]}` : `${VERDICTS[strength.score]}: ${reason}`;
  }

  const onInput = () => {
    update().catch(() => {
      // The chunk failed to load (offline): the API still checks the password on submit.
      container.hidden = true;
    });
  };
  password.addEventListener('input', onInput);
  for (const input of userInputs) input.addEventListener('input', () => password.value && onInput());
}
