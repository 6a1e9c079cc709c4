/**
 * Splits the AQL paths of a web template into steps (`attribute[node id and name/value='…']`), so
 * the converter can place each node below its parent's RM object, creating the structural objects
 * in between (HISTORY, ITEM_TREE, a collapsed EVENT, the ELEMENT around a value).
 */

export interface AqlStep {
  /** RM attribute, e.g. `data`, `events`, `items`, `value`. */
  readonly attribute: string;
  /** Archetype id or at-code of the predicate; undefined for a plain attribute (`/time`). */
  readonly nodeId: string | undefined;
  /** `name/value='…'` of the predicate, if any. */
  readonly name: string | undefined;
}

/** Steps of an AQL path (`/a[x]/b`); `/` inside predicates and quotes does not split. */
export function aqlSteps(path: string): AqlStep[] {
  const steps: AqlStep[] = [];
  let depth = 0;
  let quote = "";
  let start = path.startsWith("/") ? 1 : 0;
  for (let i = start; i <= path.length; i++) {
    const char = path[i];
    if (quote !== "") {
      if (char === quote) quote = "";
      continue;
    }
    if (char === "'" || char === '"') quote = char;
    else if (char === "[") depth++;
    else if (char === "]") depth--;
    else if ((char === "/" && depth === 0) || char === undefined) {
      if (i > start) steps.push(parseStep(path.slice(start, i), path));
      start = i + 1;
    }
  }
  return steps;
}

const NAME_PREDICATE = /name\/value\s*=\s*(['"])(.*)\1\s*$/s;

function parseStep(text: string, path: string): AqlStep {
  const open = text.indexOf("[");
  if (open === -1) return { attribute: text, nodeId: undefined, name: undefined };
  if (!text.endsWith("]")) throw new TypeError(`web template aqlPath '${path}' is malformed at '${text}'`);
  const attribute = text.slice(0, open);
  const predicate = text.slice(open + 1, -1).trim();
  const and = predicate.search(/\s+and\s+|\s*,\s*/);
  const nodeId = (and === -1 ? predicate : predicate.slice(0, and)).trim();
  const rest = and === -1 ? "" : predicate.slice(and).replace(/^\s*(and|,)\s*/, "");
  const match = NAME_PREDICATE.exec(rest);
  return { attribute, nodeId, name: match ? (match[2] as string).replace(/\\'/g, "'") : undefined };
}
