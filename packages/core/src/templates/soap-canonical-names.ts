// Names of the shipped SOAP template's OPT that its web template lacks and the FLAT → canonical
// converter needs (structural node names, coded name constraints): canonicalNamesUsed(SOAP_WEB_TEMPLATE,
// optNames(SOAP_TEMPLATE_OPT)), kept here so @ehr-sync/core converts without loading the 466 KB OPT.
// src/openehr/flat-to-canonical.test.ts checks it still equals what the OPT gives.
import type { OptNames } from "../openehr/opt-names.js";

export const SOAP_CANONICAL_NAMES: OptNames = {
  terms: {
    "openEHR-EHR-EVALUATION.clinical_synopsis.v1|at0001": "List",
    "openEHR-EHR-EVALUATION.problem_diagnosis.v1|at0001": "structure",
    "openEHR-EHR-EVALUATION.problem_diagnosis.v1|at0032": "Tree",
    "openEHR-EHR-OBSERVATION.blood_pressure.v2|at0001": "History",
    "openEHR-EHR-OBSERVATION.blood_pressure.v2|at0003": "blood pressure",
    "openEHR-EHR-OBSERVATION.body_temperature.v2|at0001": "Tree",
    "openEHR-EHR-OBSERVATION.body_temperature.v2|at0002": "History",
    "openEHR-EHR-OBSERVATION.body_weight.v2|at0001": "Simple",
    "openEHR-EHR-OBSERVATION.body_weight.v2|at0002": "history",
    "openEHR-EHR-OBSERVATION.height.v2|at0001": "history",
    "openEHR-EHR-OBSERVATION.height.v2|at0003": "Simple",
    "openEHR-EHR-OBSERVATION.pulse.v1|at0001": "structure",
    "openEHR-EHR-OBSERVATION.pulse.v1|at0002": "history",
    "openEHR-EHR-OBSERVATION.pulse.v1|at1026": "Pulse Rate",
    "openEHR-EHR-OBSERVATION.pulse.v1|at1027": "Heart Rate",
    "openEHR-EHR-OBSERVATION.pulse_oximetry.v1|at0001": "Event Series",
    "openEHR-EHR-OBSERVATION.pulse_oximetry.v1|at0003": "Tree",
    "openEHR-EHR-OBSERVATION.respiration.v1|at0001": "history",
    "openEHR-EHR-OBSERVATION.respiration.v1|at0003": "List",
    "openEHR-EHR-OBSERVATION.story.v1|at0001": "Event Series",
    "openEHR-EHR-OBSERVATION.story.v1|at0002": "Any event",
    "openEHR-EHR-OBSERVATION.story.v1|at0003": "Tree",
  },
  coded: {
    "openEHR-EHR-OBSERVATION.pulse.v1|at0004": [
      {
        terminology: "local",
        code: "at1026",
      },
      {
        terminology: "local",
        code: "at1027",
      },
    ],
  },
};
