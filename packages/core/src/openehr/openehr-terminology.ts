/**
 * The openEHR terminology groups EHRbase checks as RM invariants even when the web template gives no
 * list (openEHR terminology 2.4.0, as bundled with EHRbase ≥ 2.13), and the language EHRbase checks
 * their texts in.
 */

/** Group "composition category": COMPOSITION.category (invariant Category_validity). */
export const OPENEHR_CATEGORY: ReadonlyMap<string, string> = new Map([
  ["431", "persistent"],
  ["433", "event"],
  ["451", "episodic"],
]);

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

/**
 * Portuguese rubrics, from the pt openEHR terminology bundled with EHRbase. For a composition in
 * plain `pt`, EHRbase (openEHR SDK terminology validation, 2.16 and 2.31) requires these texts for
 * category, setting and math function; `*…(en)` entries are the file's own untranslated markers.
 */
const PT_RUBRICS: ReadonlyMap<string, string> = new Map([
  ["431", "persistente"],
  ["433", "evento"],
  ["451", "*episodic(en)"],
  ["225", "domiciliar"],
  ["227", "cuidado emergencial"],
  ["228", "medicina primária"],
  ["229", "enfermagem primária"],
  ["230", "atenção primária"],
  ["231", "cuidado obstétrico"],
  ["232", "medicina especializada"],
  ["233", "enfermagem especializada"],
  ["234", "atenção especializada"],
  ["235", "cuidado complementar"],
  ["236", "cuidado odontológico"],
  ["237", "enfermagem domiciliar"],
  ["238", "outro cuidado"],
  ["802", "*mental healthcare(en)"],
  ["144", "máximo"],
  ["145", "mínimo"],
  ["146", "média"],
  ["147", "alteração"],
  ["148", "total"],
  ["149", "variação"],
  ["267", "moda"],
  ["268", "mediana"],
  ["521", "descréscimo"],
  ["522", "acréscimo"],
  ["640", "real"],
]);

/**
 * Composition languages EHRbase cannot store at all: it ships an openEHR terminology in these
 * languages but maps no attribute to it, so its terminology check of any openEHR-coded text
 * (category is always one) looks up an English rubric in the translated file and fails with a
 * NullPointerException, answered as HTTP 500 (EHRbase 2.16 and 2.31; upstream ehrbase/ehrbase#1252,
 * ehrbase/openEHR_SDK#372). Regional codes (`es-mx` …) are not affected.
 */
export const EHRBASE_UNSTORABLE_LANGUAGES: ReadonlySet<string> = new Set(["es", "ja"]);

/**
 * The text EHRbase requires for an openEHR-terminology code in a composition of `language`: the
 * Portuguese rubric for plain `pt`, the English one for every other language (the openEHR terminology
 * has no translation for them, and EHRbase falls back to English). `undefined` for an unknown code.
 */
export function openehrRubric(
  group: ReadonlyMap<string, string>,
  code: string,
  language: string | undefined,
): string | undefined {
  const english = group.get(code);
  if (english === undefined || language !== "pt") return english;
  return PT_RUBRICS.get(code);
}
