import { describe, expect, it } from 'vitest';
import { MIN_PASSWORD_SCORE, passwordStrength, weakPasswordMessage } from '../../src/domain/password-strength';

describe('password strength', () => {
  it.each(['1234567890', 'password123', 'qwertyuiop', 'aaaaaaaaaaaa'])('rates %s below the floor, saying why', async (password) => {
    const strength = await passwordStrength(password);
    expect(strength.score).toBeLessThan(MIN_PASSWORD_SCORE);
    expect(strength.acceptable).toBe(false);
    expect(weakPasswordMessage(strength)).toMatch(/^This password is too weak: \S.+/);
  });

  it("refuses the user's own email, and words from it or the display name", async () => {
    expect((await passwordStrength('grace.hopper@example.com', ['grace.hopper@example.com'])).acceptable).toBe(false);
    expect((await passwordStrength('Hopper2024', ['grace.hopper@example.com', 'Grace Hopper'])).warning).toBe(
      'It contains your email address or name.',
    );
  });

  it('accepts a passphrase of uncommon words', async () => {
    const strength = await passwordStrength('marble orchard tuesday kettle', ['ada@example.com', 'Ada']);
    expect(strength.acceptable).toBe(true);
    expect(weakPasswordMessage(strength)).toBeNull();
  });
});
