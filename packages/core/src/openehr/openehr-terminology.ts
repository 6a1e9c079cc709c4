/**
 * The few openEHR terminology groups EHRbase checks as RM invariants even when the web template
 * gives no list (openEHR terminology 2.4.0, as bundled with EHRbase ≥ 2.13).
 */

/** Group "setting": EVENT_CONTEXT.setting (invariant Setting_valid). */
export const OPENEHR_SETTING: ReadonlyMap<string, string> = new Map([
  ["225", "home"],
  ["227", "emergency care"],
  ["228", "primary medical care"],
  ["229", "primary nursing care"],
  ["230", "primary allied health care"],
  ["231", "midwifery care"],
  ["232", "secondary medical care"],
  ["233", "secondary nursing care"],
  ["234", "secondary allied health care"],
  ["235", "complementary health care"],
  ["236", "dental care"],
  ["237", "nursing home care"],
  ["238", "other care"],
  ["802", "mental healthcare"],
]);

/** Group "event math function": INTERVAL_EVENT.math_function. */
export const OPENEHR_MATH_FUNCTION: ReadonlyMap<string, string> = new Map([
  ["144", "maximum"],
  ["145", "minimum"],
  ["146", "mean"],
  ["147", "change"],
  ["148", "total"],
  ["149", "variation"],
  ["267", "mode"],
  ["268", "median"],
  ["521", "decrease"],
  ["522", "increase"],
  ["640", "actual"],
]);
