/** The participant app's screens (pure: the URL parser and its tests import it without the store). */

export const SCREENS = ['join', 'data', 'training', 'rounds', 'outbound', 'logs'] as const;

/** One screen of the participant app. */
export type Screen = (typeof SCREENS)[number];
