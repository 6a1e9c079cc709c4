/**
 * Proves the shipped OPT is a template EHRbase accepts (201 under a fresh id, so the upload itself is
 * exercised on every run), that the web template EHRbase derives from it is exactly the one core ships
 * for offline validation, and that the TS string module is in sync with the committed .opt file.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  basicAuthHeader,
  type EhrbaseTestConfig,
  ehrbaseTestConfig,
  requireEhrbase,
} from "@ehr-sync/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SOAP_TEMPLATE_ID, SOAP_TEMPLATE_OPT } from "../src/templates/soap-template.js";
import { SOAP_WEB_TEMPLATE } from "../src/templates/soap-web-template.js";
import { Ehrbase } from "./helpers/ehrbase.js";

let config: EhrbaseTestConfig;
let ehrbase: Ehrbase;
const scratchId = `ehr_sync.soap_note.test_${randomUUID().slice(0, 8)}.v1`;

beforeAll(async () => {
  config = await requireEhrbase(ehrbaseTestConfig());
  ehrbase = new Ehrbase(config);
});

afterAll(async () => {
  // The scratch copy is ours alone and holds no compositions; remove it through the admin API.
  await fetch(`${config.baseUrl}/rest/admin/template/${encodeURIComponent(scratchId)}`, {
    method: "DELETE",
    headers: { authorization: basicAuthHeader(config.adminUser, config.adminPassword) },
  });
});

describe("shipped SOAP operational template", () => {
  it("is the committed .opt file, with the shipped template id", () => {
    const file = readFileSync(new URL("../templates/ehr_sync_soap_note.v2.opt", import.meta.url), "utf8");
    expect(SOAP_TEMPLATE_OPT).toBe(file);
    expect(SOAP_TEMPLATE_OPT).toContain(`<template_id>\n        <value>${SOAP_TEMPLATE_ID}</value>`);
  });

  it("uploads to EHRbase with 201 and its web template equals the shipped one", async () => {
    const opt = SOAP_TEMPLATE_OPT.split(`<value>${SOAP_TEMPLATE_ID}</value>`).join(
      `<value>${scratchId}</value>`,
    );
    const upload = await ehrbase.request("POST", "/definition/template/adl1.4", {
      body: opt,
      headers: { "content-type": "application/xml" },
    });
    expect(upload.status).toBe(201);
    const fetched = (await ehrbase.webTemplate(scratchId)) as { templateId: string };
    expect({ ...fetched, templateId: SOAP_TEMPLATE_ID }).toEqual(SOAP_WEB_TEMPLATE);
  });

  it("is available under its real id, serving the shipped web template", async () => {
    await ehrbase.ensureSoapTemplate();
    expect(await ehrbase.webTemplate(SOAP_TEMPLATE_ID)).toEqual(SOAP_WEB_TEMPLATE);
  });
});
