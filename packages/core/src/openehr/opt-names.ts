/**
 * Names the web template does not carry but EHRbase's FLAT unmarshaller takes from the OPT: the
 * archetype terms of structural nodes (HISTORY "Event Series", ITEM_TREE "Tree", a folded EVENT) and
 * coded name constraints (`pulse.v1` at0004 named "Pulse Rate" = local::at1026). Read with a small
 * tag scanner: OPTs are machine-written XML, and only element nesting and text are needed.
 */

interface XmlElement {
  readonly tag: string;
  readonly type: string | undefined;
  readonly attributes: string;
  readonly children: XmlElement[];
  text: string;
}

export interface CodedName {
  readonly terminology: string;
  readonly code: string;
}

/**
 * Plain, serialisable data (so a template's names can ship without its OPT, see
 * canonicalNamesUsed): archetype terms by `archetypeId|atCode`, and the codes a node's name is
 * constrained to by `archetypeId|nodeId`.
 */
export interface OptNames {
  readonly terms: Readonly<Record<string, string>>;
  readonly coded: Readonly<Record<string, readonly CodedName[]>>;
}

/** Term text of an at-code in an archetype (as used in the template). */
export function termOf(names: OptNames, archetypeId: string, code: string): string | undefined {
  return names.terms[`${archetypeId}|${code}`];
}

/** The coded name of a node whose name the OPT constrains to a DV_CODED_TEXT with this text. */
export function codedNameOf(
  names: OptNames,
  archetypeId: string,
  nodeId: string,
  name: string,
): CodedName | undefined {
  for (const candidate of names.coded[`${archetypeId}|${nodeId}`] ?? []) {
    if (names.terms[`${archetypeId}|${candidate.code}`] === name) return candidate;
  }
  return undefined;
}

const TAG = /<(\/?)([A-Za-z_][\w.:-]*)([^>]*?)(\/?)>|([^<]+)/g;
const XSI_TYPE = /xsi:type="([^"]+)"/;

function parse(xml: string): XmlElement {
  const root: XmlElement = { tag: "#root", type: undefined, attributes: "", children: [], text: "" };
  const stack: XmlElement[] = [root];
  TAG.lastIndex = 0;
  for (let match = TAG.exec(xml); match !== null; match = TAG.exec(xml)) {
    const top = stack[stack.length - 1] as XmlElement;
    if (match[5] !== undefined) {
      top.text += match[5];
      continue;
    }
    const [, closing, tag, attributes = "", selfClosing] = match;
    if (tag === undefined || tag.startsWith("?") || tag.startsWith("!")) continue;
    if (closing) {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const element: XmlElement = {
      tag,
      type: XSI_TYPE.exec(attributes)?.[1],
      attributes,
      children: [],
      text: "",
    };
    top.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  return root;
}

function child(element: XmlElement, tag: string): XmlElement | undefined {
  return element.children.find((c) => c.tag === tag);
}

function decode(text: string): string {
  return text
    .trim()
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

const CODE_ATTRIBUTE = /code="([^"]+)"/;
const TEXT_ITEM = /id="text"/;

/** Reads the names the canonical converter needs from an OPT (ADL 1.4 operational template XML). */
export function optNames(opt: string): OptNames {
  if (typeof opt !== "string" || !opt.includes("<template"))
    throw new TypeError("optNames: expected the OPT (operational template) XML");
  const terms: Record<string, string> = {};
  const coded: Record<string, CodedName[]> = {};
  const definition = child(
    child(parse(opt), "template") ?? ({ children: [] } as unknown as XmlElement),
    "definition",
  );
  if (definition === undefined) throw new TypeError("optNames: the OPT has no <definition>");
  visit(definition, undefined, terms, coded);
  return { terms, coded };
}

function visit(
  object: XmlElement,
  archetype: string | undefined,
  terms: Record<string, string>,
  coded: Record<string, CodedName[]>,
): void {
  let current = archetype;
  const archetypeId = child(object, "archetype_id");
  if (archetypeId !== undefined && (object.type === "C_ARCHETYPE_ROOT" || object.tag === "definition")) {
    current = decode(child(archetypeId, "value")?.text ?? "");
    for (const definition of object.children) {
      if (definition.tag !== "term_definitions") continue;
      const code = CODE_ATTRIBUTE.exec(definition.attributes)?.[1];
      const text = definition.children.find(
        (item) => item.tag === "items" && TEXT_ITEM.test(item.attributes),
      );
      if (code !== undefined && text !== undefined) terms[`${current}|${code}`] = decode(text.text);
    }
  }
  const nodeId = decode(child(object, "node_id")?.text ?? "");
  for (const attribute of object.children) {
    if (attribute.tag !== "attributes") continue;
    const name = decode(child(attribute, "rm_attribute_name")?.text ?? "");
    for (const value of attribute.children) {
      if (value.tag !== "children") continue;
      if (name === "name" && current !== undefined && nodeId !== "")
        collectCodedName(value, current, nodeId, coded);
      else visit(value, current, terms, coded);
    }
  }
}

function collectCodedName(
  constraint: XmlElement,
  archetype: string,
  nodeId: string,
  coded: Record<string, CodedName[]>,
): void {
  if (decode(child(constraint, "rm_type_name")?.text ?? "") !== "DV_CODED_TEXT") return;
  for (const attribute of constraint.children) {
    if (attribute.tag !== "attributes") continue;
    for (const phrase of attribute.children) {
      if (phrase.tag !== "children" || phrase.type !== "C_CODE_PHRASE") continue;
      const terminology = decode(child(child(phrase, "terminology_id") ?? phrase, "value")?.text ?? "local");
      for (const code of phrase.children) {
        if (code.tag !== "code_list") continue;
        const key = `${archetype}|${nodeId}`;
        coded[key] ??= [];
        (coded[key] as CodedName[]).push({ terminology, code: decode(code.text) });
      }
    }
  }
}
