#!/usr/bin/env python3
"""Builds the shipped SOAP operational template by splicing archetype subtrees out of
Apache-2.0 OPTs (see ATTRIBUTION.md), then writes the OPT and the TS string module core ships.

Usage: python3 build-template.py [--template-id ID] [--fixtures DIR]
  --fixtures  directory holding ehrn_vital_signs.v2.opt (default: /work/shared/fixtures/templates);
              the other source OPTs are read from ./sources (byte copies, see ATTRIBUTION.md).
Only the Python standard library is used so the build is reproducible anywhere.
"""

import argparse
import copy
import json
import os
import uuid
import xml.etree.ElementTree as ET

NS = "http://schemas.openehr.org/v1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ET.register_namespace("", NS)
ET.register_namespace("xsi", XSI)
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TEMPLATE_ID = "ehr_sync.soap_note.v2"
OPT_FILE = "ehr_sync_soap_note.v2.opt"
# Fixed so the OPT uid is stable across builds (uuid5 of the template id under this namespace).
OPT_UID_NAMESPACE = uuid.UUID("5b0c7f4e-2f63-4c39-9d55-3f5e7f0a9c11")


def q(tag):
    return "{%s}%s" % (NS, tag)


def archetype_root(tree, archetype_id):
    """The C_ARCHETYPE_ROOT element whose archetype_id is the given id (first in document order)."""
    for el in tree.iter(q("children")):
        aid = el.find(q("archetype_id"))
        if aid is not None and aid.findtext(q("value")) == archetype_id:
            return copy.deepcopy(el)
    raise SystemExit("archetype %s not found" % archetype_id)


def set_occurrences(el, lower, upper):
    occ = el.find(q("occurrences"))
    for child in list(occ):
        occ.remove(child)
    unbounded = upper is None
    for tag, text in (
        ("lower_included", "true"),
        ("upper_included", "false" if unbounded else "true"),
        ("lower_unbounded", "false"),
        ("upper_unbounded", "true" if unbounded else "false"),
        ("lower", str(lower)),
    ):
        ET.SubElement(occ, q(tag)).text = text
    if not unbounded:
        ET.SubElement(occ, q("upper")).text = str(upper)


def interval(parent, tag, lower, upper):
    el = ET.SubElement(parent, q(tag))
    for sub, text in (
        ("lower_included", "true"),
        ("upper_included", "true"),
        ("lower_unbounded", "false"),
        ("upper_unbounded", "false"),
        ("lower", str(lower)),
        ("upper", str(upper)),
    ):
        ET.SubElement(el, q(sub)).text = text
    return el


def name_constraint(text):
    """name matches {DV_TEXT value matches {"text"}}: what Archetype Designer writes for a renamed node.
    EHRbase tells same-archetype siblings (our four adhoc sections) apart by this constraint."""
    xsi_type = "{%s}type" % XSI
    attr = ET.Element(q("attributes"), {xsi_type: "C_SINGLE_ATTRIBUTE"})
    ET.SubElement(attr, q("rm_attribute_name")).text = "name"
    interval(attr, "existence", 1, 1)
    ET.SubElement(attr, q("match_negated")).text = "false"
    dv_text = ET.SubElement(attr, q("children"), {xsi_type: "C_COMPLEX_OBJECT"})
    ET.SubElement(dv_text, q("rm_type_name")).text = "DV_TEXT"
    interval(dv_text, "occurrences", 1, 1)
    ET.SubElement(dv_text, q("node_id"))
    value = ET.SubElement(dv_text, q("attributes"), {xsi_type: "C_SINGLE_ATTRIBUTE"})
    ET.SubElement(value, q("rm_attribute_name")).text = "value"
    interval(value, "existence", 1, 1)
    ET.SubElement(value, q("match_negated")).text = "false"
    string = ET.SubElement(value, q("children"), {xsi_type: "C_PRIMITIVE_OBJECT"})
    ET.SubElement(string, q("rm_type_name")).text = "STRING"
    interval(string, "occurrences", 1, 1)
    ET.SubElement(string, q("node_id"))
    item = ET.SubElement(string, q("item"), {xsi_type: "C_STRING"})
    ET.SubElement(item, q("list")).text = text
    return attr


def rename(root_el, text):
    """Renames an archetype root: replaces any name constraint with one fixing the new name and rewrites
    its at0000 term text (the web template names the node after it)."""
    for attr in root_el.findall(q("attributes")):
        if attr.findtext(q("rm_attribute_name")) == "name":
            root_el.remove(attr)
    node_id = root_el.find(q("node_id"))
    root_el.insert(list(root_el).index(node_id) + 1, name_constraint(text))
    for term in root_el.findall(q("term_definitions")):
        if term.get("code") == "at0000":
            for item in term.findall(q("items")):
                if item.get("id") == "text":
                    item.text = text
            return
    raise SystemExit("no at0000 term to rename")


def items_attribute(section):
    for attr in section.findall(q("attributes")):
        if attr.findtext(q("rm_attribute_name")) == "items":
            return attr
    raise SystemExit("section has no items attribute")


def replace_children(attr, new_children):
    """Replaces the C_OBJECT children of a multiple attribute, keeping its existence/cardinality."""
    for child in attr.findall(q("children")):
        attr.remove(child)
    cardinality = attr.find(q("cardinality"))
    index = list(attr).index(cardinality) if cardinality is not None else len(attr)
    for offset, child in enumerate(new_children):
        attr.insert(index + offset, child)


def entry(tree, archetype_id, lower, upper, name=None):
    el = archetype_root(tree, archetype_id)
    set_occurrences(el, lower, upper)
    if name:
        rename(el, name)
    return el


def plain_story(story):
    """The source template splits Story (at0004) into a coded "Soft signs" list and a renamed "Notes"
    text; keep one unconstrained free-text Story element, as in the CKM archetype."""
    for attr in story.iter(q("attributes")):
        for element in attr.findall(q("children")):
            if element.findtext(q("node_id")) != "at0004":
                continue
            for sub in element.findall(q("attributes")):
                if sub.findtext(q("rm_attribute_name")) == "name":
                    element.remove(sub)
            if element.find(".//" + q("list")) is not None:
                attr.remove(element)
    for term in story.findall(q("term_definitions")):
        if term.get("code") == "at0004":
            term.find(q("items")).text = "Story"
    return story


def coded_diagnosis_name(problem):
    """Problem/Diagnosis name (at0002) constrained from DV_TEXT to DV_CODED_TEXT with no terminology
    binding: every diagnosis carries a code from whichever terminology the note uses (ICD-10, SNOMED CT)."""
    for element in problem.iter(q("children")):
        if element.findtext(q("node_id")) == "at0002" and element.findtext(q("rm_type_name")) == "ELEMENT":
            for attr in element.findall(q("attributes")):
                if attr.findtext(q("rm_attribute_name")) == "value":
                    attr.find(q("children")).find(q("rm_type_name")).text = "DV_CODED_TEXT"
                    return problem
    raise SystemExit("problem_diagnosis at0002 not found")


def open_category(definition):
    """Drops the code list (openehr::433) from COMPOSITION.category. EHRbase's template check compares
    category's text with the English rubric ("event") while its terminology check wants the rubric in
    the composition's language ("evento" for pt), so no Portuguese composition could pass both. The
    mapping always sends 433 with the rubric of the composition's language; core's validator requires it."""
    for attr in definition.findall(q("attributes")):
        if attr.findtext(q("rm_attribute_name")) != "category":
            continue
        for phrase in attr.iter(q("children")):
            code_list = phrase.find(q("code_list"))
            if code_list is not None:
                phrase.remove(code_list)
                return
    raise SystemExit("category code list not found")


def section(adhoc, name, entries):
    el = copy.deepcopy(adhoc)
    set_occurrences(el, 0, 1)
    rename(el, name)
    replace_children(items_attribute(el), entries)
    return el


def build(template_id, fixtures):
    vitals = ET.parse(os.path.join(fixtures, "ehrn_vital_signs.v2.opt"))
    ncd = ET.parse(os.path.join(HERE, "sources", "NCD.opt"))
    aql_example = ET.parse(os.path.join(HERE, "sources", "aql_example.opt"))
    ereact = ET.parse(os.path.join(HERE, "sources", "EREACT - Deterioriation assessment.v0.opt"))
    problem_list = ET.parse(os.path.join(HERE, "sources", "IDCR - Problem List.v1.opt"))
    root = vitals.getroot()

    adhoc = archetype_root(aql_example, "openEHR-EHR-SECTION.adhoc.v1")
    subjective = section(adhoc, "Subjective", [plain_story(entry(ereact, "openEHR-EHR-OBSERVATION.story.v1", 0, 1))])
    objective = section(
        adhoc,
        "Objective",
        [
            entry(vitals, "openEHR-EHR-EVALUATION.clinical_synopsis.v1", 0, 1, "Findings"),
            entry(vitals, "openEHR-EHR-OBSERVATION.blood_pressure.v2", 0, 1),
            entry(vitals, "openEHR-EHR-OBSERVATION.pulse.v1", 0, 1),
            entry(vitals, "openEHR-EHR-OBSERVATION.body_temperature.v2", 0, 1),
            entry(vitals, "openEHR-EHR-OBSERVATION.respiration.v1", 0, 1),
            entry(vitals, "openEHR-EHR-OBSERVATION.pulse_oximetry.v1", 0, 1),
            entry(ncd, "openEHR-EHR-OBSERVATION.body_weight.v2", 0, 1),
            entry(ncd, "openEHR-EHR-OBSERVATION.height.v2", 0, 1),
        ],
    )
    assessment = section(
        adhoc,
        "Assessment",
        [
            entry(vitals, "openEHR-EHR-EVALUATION.clinical_synopsis.v1", 0, 1),
            coded_diagnosis_name(entry(problem_list, "openEHR-EHR-EVALUATION.problem_diagnosis.v1", 0, None)),
        ],
    )
    plan = section(
        adhoc, "Plan", [entry(vitals, "openEHR-EHR-EVALUATION.clinical_synopsis.v1", 0, 1)]
    )

    definition = root.find(q("definition"))
    for attr in definition.findall(q("attributes")):
        name = attr.findtext(q("rm_attribute_name"))
        if name == "content":
            replace_children(attr, [subjective, objective, assessment, plan])
        if name == "context":
            # The EHRN metadata cluster in other_context is not ours; drop other_context entirely.
            ctx = attr.find(q("children"))
            for sub in ctx.findall(q("attributes")):
                if sub.findtext(q("rm_attribute_name")) == "other_context":
                    ctx.remove(sub)
    open_category(definition)
    definition.find(q("template_id")).find(q("value")).text = template_id
    for term in definition.findall(q("term_definitions")):
        if term.get("code") == "at0000":
            term.find(q("items")).text = "SOAP note"

    # Template-level constraints of the source OPT point into its own tree; they do not apply here.
    constraints = root.find(q("constraints"))
    if constraints is not None:
        root.remove(constraints)
    root.find(q("template_id")).find(q("value")).text = template_id
    root.find(q("concept")).text = template_id
    root.find(q("uid")).find(q("value")).text = str(uuid.uuid5(OPT_UID_NAMESPACE, template_id))

    description = root.find(q("description"))
    for child in list(description):
        description.remove(child)
    ET.SubElement(description, q("original_author"), id="name").text = "ehr-sync contributors"
    ET.SubElement(description, q("lifecycle_state")).text = "Initial"
    ET.SubElement(description, q("other_details"), id="Licence").text = (
        "Template: Apache-2.0. Embedded openEHR CKM archetypes: CC-BY-SA 4.0, see ATTRIBUTION.md"
    )
    details = ET.SubElement(description, q("details"))
    lang = ET.SubElement(details, q("language"))
    ET.SubElement(ET.SubElement(lang, q("terminology_id")), q("value")).text = "ISO_639-1"
    ET.SubElement(lang, q("code_string")).text = "en"
    ET.SubElement(details, q("purpose")).text = (
        "A signed SOAP note from a (video) consultation: Subjective, Objective with vital signs, "
        "Assessment with coded diagnoses, Plan."
    )
    ET.SubElement(details, q("copyright")).text = "ehr-sync contributors; archetypes (c) openEHR Foundation"
    ET.indent(vitals, space="    ")
    return ET.tostring(root, encoding="unicode", xml_declaration=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--template-id", default=DEFAULT_TEMPLATE_ID)
    parser.add_argument("--fixtures", default="/work/shared/fixtures/templates")
    args = parser.parse_args()
    xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + build(args.template_id, args.fixtures) + "\n"
    opt_path = os.path.join(HERE, OPT_FILE)
    with open(opt_path, "w", encoding="utf-8") as out:
        out.write(xml)
    # The id gets its own module: the main entry imports it without pulling in the OPT string.
    id_path = os.path.join(HERE, "..", "src", "templates", "soap-template-id.ts")
    with open(id_path, "w", encoding="utf-8") as out:
        out.write(
            "// Generated by packages/core/templates/build-template.py. Do not edit.\n\n"
            "/** Template id of the shipped SOAP operational template. */\n"
            "export const SOAP_TEMPLATE_ID = %s;\n" % json.dumps(args.template_id)
        )
    ts_path = os.path.join(HERE, "..", "src", "templates", "soap-template.ts")
    with open(ts_path, "w", encoding="utf-8") as out:
        out.write(
            "// Generated by packages/core/templates/build-template.py from %s. Do not edit.\n"
            "// Shipped as a string so core needs no file I/O (works in Node and Deno).\n\n"
            'export { SOAP_TEMPLATE_ID } from "./soap-template-id.js";\n\n'
            "/** The shipped SOAP operational template (ADL 1.4 OPT XML), ready to upload to EHRbase. */\n"
            "export const SOAP_TEMPLATE_OPT: string = %s;\n" % (OPT_FILE, json.dumps(xml))
        )
    print("wrote", opt_path, len(xml), "bytes;", ts_path)


if __name__ == "__main__":
    main()
