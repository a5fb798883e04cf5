// How guessable a new password is, by zxcvbn (Wheeler, "zxcvbn: Low-Budget Password Strength Estimation", USENIX
// Security 2016) in its maintained TypeScript port with the language-independent dictionaries: the most common
// leaked passwords, keyboard patterns, sequences, repeats, dates, l33t substitutions — and the user's own email and
// display name. Used by the API for every password it sets and by the sign-up page for its meter, so both agree.
//
// Score 3 ("safely unguessable": an estimated 10^8 guesses or more) is the floor. Online guessing is throttled far
// below that (domain/rate-limits LOGIN_FAILURES_PER_ACCOUNT), and scores 0–2 are exactly what "1234567890" and
// "password123" get. The feedback texts are ours: @zxcvbn-ts/language-en would bring them, but also English word
// lists a Worker has no use for.
import type { TranslationKeys, ZxcvbnFactory } from '@zxcvbn-ts/core';

export const MIN_PASSWORD_SCORE = 3;

export type PasswordScore = 0 | 1 | 2 | 3 | 4;

export interface PasswordStrength {
  score: PasswordScore;
  acceptable: boolean;
  /** What makes it weak, in one sentence; null when nothing specific (or nothing at all) is wrong. */
  warning: string | null;
  suggestions: string[];
}

const TRANSLATIONS: TranslationKeys = {
  warnings: {
    straightRow: 'Straight rows of keys on your keyboard are easy to guess.',
    keyPattern: 'Short keyboard patterns are easy to guess.',
    simpleRepeat: 'Repeated characters like "aaa" are easy to guess.',
    extendedRepeat: 'Repeated patterns like "abcabcabc" are easy to guess.',
    sequences: 'Common character sequences like "abc" or "1234" are easy to guess.',
    recentYears: 'Recent years are easy to guess.',
    dates: 'Dates are easy to guess.',
    topTen: 'This is one of the ten most used passwords.',
    topHundred: 'This is one of the hundred most used passwords.',
    common: 'This is a commonly used password.',
    similarToCommon: 'This is similar to a commonly used password.',
    wordByItself: 'Single words are easy to guess.',
    namesByThemselves: 'Single names or surnames are easy to guess.',
    commonNames: 'Common names and surnames are easy to guess.',
    userInputs: 'It contains your email address or name.',
    pwned: 'This password appeared in a data breach.',
  },
  suggestions: {
    l33t: 'Avoid predictable letter substitutions like "@" for "a".',
    reverseWords: 'Avoid reversed spellings of common words.',
    allUppercase: 'Capitalize some, but not all letters.',
    capitalization: 'Capitalize more than the first letter.',
    dates: 'Avoid dates and years that are associated with you.',
    recentYears: 'Avoid recent years.',
    associatedYears: 'Avoid years that are associated with you.',
    sequences: 'Avoid common character sequences.',
    repeated: 'Avoid repeated words and characters.',
    longerKeyboardPattern: 'Use longer keyboard patterns and change typing direction multiple times.',
    anotherWord: 'Add more words that are less common.',
    useWords: 'Use multiple words, but avoid common phrases.',
    noNeed: 'You can create strong passwords without using symbols, numbers, or uppercase letters.',
    pwned: 'If you use this password elsewhere, you should change it.',
  },
  timeEstimation: {
    ltSecond: 'less than a second',
    second: '{base} second',
    seconds: '{base} seconds',
    minute: '{base} minute',
    minutes: '{base} minutes',
    hour: '{base} hour',
    hours: '{base} hours',
    day: '{base} day',
    days: '{base} days',
    month: '{base} month',
    months: '{base} months',
    year: '{base} year',
    years: '{base} years',
    centuries: 'centuries',
  },
};

// The estimator and its dictionaries are imported on the first password checked, not with the module: evaluating
// them decompresses the dictionary (tens of ms) — a cost every isolate start would pay otherwise, for the few
// requests that set a password. Built once per isolate; a failed import is retried next time.
let estimator: Promise<ZxcvbnFactory> | undefined;
function estimatorOf(): Promise<ZxcvbnFactory> {
  estimator ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]).then(
    ([{ ZxcvbnFactory }, { adjacencyGraphs, dictionary }]) =>
      new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, translations: TRANSLATIONS }),
    (error: unknown) => {
      estimator = undefined;
      throw error;
    },
  );
  return estimator;
}

/** The parts of who the user is that their password must not lean on: the email, its local part, their name. */
function userInputsOf(inputs: readonly (string | null | undefined)[]): string[] {
  const words = new Set<string>();
  for (const input of inputs) {
    const value = input?.trim().toLowerCase();
    if (!value) continue;
    words.add(value);
    const local = value.split('@')[0];
    if (local) words.add(local);
    for (const part of value.split(/[^\p{L}\p{N}]+/u)) if (part.length >= 3) words.add(part);
  }
  return [...words];
}

export async function passwordStrength(
  password: string,
  userInputs: readonly (string | null | undefined)[] = [],
): Promise<PasswordStrength> {
  const result = (await estimatorOf()).check(password, userInputsOf(userInputs));
  const score = result.score as PasswordScore;
  return {
    score,
    acceptable: score >= MIN_PASSWORD_SCORE,
    warning: result.feedback.warning || null,
    suggestions: result.feedback.suggestions,
  };
}

/** Why a password is refused, as one message for the person choosing it; null when it is strong enough. */
export function weakPasswordMessage(strength: PasswordStrength): string | null {
  if (strength.acceptable) return null;
  const why = strength.warning ?? 'It would be guessed too easily.';
  const hint = strength.suggestions[0] ?? 'Add more words that are less common.';
  return `This password is too weak: ${why} ${hint}`;
}
