/**
 * Contract tests: every operation against the real EHRbase from the test bed, on success and on each
 * documented failure (400, 401, 404, 409, 412, 415, 422).
 */
import { randomUUID } from "node:crypto";
import { ehrbaseTestConfig, fixturesPresent } from "@ehr-sync/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import {
  EhrbaseBadRequestError,
  EhrbaseClient,
  EhrbaseConflictError,
  EhrbaseInputError,
  EhrbaseNotFoundError,
  EhrbasePreconditionFailedError,
  EhrbaseUnauthorizedError,
  EhrbaseUnsupportedMediaTypeError,
  EhrbaseValidationError,
  formatVersionUid,
} from "../src/index.js";
import { newSubject, realClient, VITAL_SIGNS_TEMPLATE, vitalSignsFlat, vitalSignsOpt } from "./helpers.js";

let client: EhrbaseClient;

beforeAll(async () => {
  client = await realClient();
  // The vital-signs template and FLAT come from the fixture corpus (../shared/fixtures); without it the
  // describes that use them are skipped and counted.
  if (fixturesPresent()) await client.templates.ensure(await vitalSignsOpt());
});

describe("EHRs", () => {
  it("creates an EHR for a subject and reads it back by id and by subject", async () => {
    const subject = newSubject();
    const ehr = await client.ehrs.create({ subject });
    expect(ehr.ehr_id.value).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.ehrs.get(ehr.ehr_id.value))?.ehr_id.value).toBe(ehr.ehr_id.value);
    expect((await client.ehrs.getBySubject(subject))?.ehr_id.value).toBe(ehr.ehr_id.value);
  });

  it("answers null for unknown EHRs and subjects (404)", async () => {
    expect(await client.ehrs.get(randomUUID())).toBeNull();
    expect(await client.ehrs.getBySubject(newSubject())).toBeNull();
  });

  it("gives 409 for a second EHR of the same subject", async () => {
    const subject = newSubject();
    await client.ehrs.create({ subject });
    await expect(client.ehrs.create({ subject })).rejects.toBeInstanceOf(EhrbaseConflictError);
  });

  it("ensure() returns one EHR when ten callers race for the same subject", async () => {
    const subject = newSubject();
    const results = await Promise.all(Array.from({ length: 10 }, () => client.ehrs.ensure(subject)));
    expect(new Set(results.map((r) => r.ehrId)).size).toBe(1);
    expect(results.filter((r) => r.created).length).toBe(1);
    const again = await client.ehrs.ensure(subject);
    expect(again).toEqual({ ehrId: results[0]!.ehrId, created: false });
  });

  it("rejects a namespace with dots before sending, naming the field and not the value", async () => {
    const error = await client.ehrs
      .create({ subject: { id: "secret-patient-id", namespace: "org.example" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EhrbaseInputError);
    expect((error as EhrbaseInputError).field).toBe("subject.namespace");
    expect(String(error)).not.toContain("org.example");
    expect(String(error)).not.toContain("secret-patient-id");
  });

  it("discovers the server's system id", async () => {
    const fresh = await realClient();
    expect(await fresh.systemId()).toBe("local.ehrbase.org");
  });
});

describe.runIf(fixturesPresent())("templates", () => {
  it("lists, gets the OPT and the web template, and ensure() treats an existing template as success", async () => {
    const list = await client.templates.list();
    expect(list.map((t) => t.template_id)).toContain(VITAL_SIGNS_TEMPLATE);
    const opt = await client.templates.getOpt(VITAL_SIGNS_TEMPLATE);
    expect(opt).toContain(`<value>${VITAL_SIGNS_TEMPLATE}</value>`);
    const wt = await client.templates.getWebTemplate(VITAL_SIGNS_TEMPLATE);
    expect(wt?.templateId).toBe(VITAL_SIGNS_TEMPLATE);
    expect(wt?.tree.rmType).toBe("COMPOSITION");
    expect(await client.templates.ensure(await vitalSignsOpt())).toEqual({
      templateId: VITAL_SIGNS_TEMPLATE,
      created: false,
    });
    expect(await client.templates.getWebTemplate(`missing-${randomUUID()}`)).toBeNull();
  });

  it("uploads a new template (201) and gives 409 for the same id again", async () => {
    const id = `ehr_sync_client_test_${randomUUID().slice(0, 8)}`;
    const opt = (await vitalSignsOpt()).replaceAll(
      `<value>${VITAL_SIGNS_TEMPLATE}</value>`,
      `<value>${id}</value>`,
    );
    expect(await client.templates.upload(opt)).toEqual({ templateId: id });
    await expect(client.templates.upload(opt)).rejects.toBeInstanceOf(EhrbaseConflictError);
  });

  it("gives 400 for an OPT EHRbase cannot parse", async () => {
    await expect(
      client.templates.upload("<template><template_id><value>broken</value></template_id>"),
    ).rejects.toBeInstanceOf(EhrbaseBadRequestError);
  });

  it("gives 415 when the OPT is not sent as XML", async () => {
    const eb = ehrbaseTestConfig();
    // The client always sends application/xml; a custom fetch rewrites the header to provoke the real 415.
    const rewriting = new EhrbaseClient({
      baseUrl: eb.baseUrl,
      auth: { type: "basic", username: eb.user, password: eb.password },
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), "content-type": "text/plain" },
        }),
    });
    const error = await rewriting.templates.upload(await vitalSignsOpt()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EhrbaseUnsupportedMediaTypeError);
    expect((error as EhrbaseUnsupportedMediaTypeError).status).toBe(415);
  });
});

describe.runIf(fixturesPresent())("compositions", () => {
  it("creates FLAT with a client uid (204 + ETag), reads it, updates with If-Match, deletes", async () => {
    const { ehrId } = await client.ehrs.ensure(newSubject());
    const systemId = await client.systemId();
    const uid = formatVersionUid(randomUUID(), systemId, 1);
    const flat = await vitalSignsFlat();

    const created = await client.compositions.create(ehrId, flat, {
      format: "FLAT",
      templateId: VITAL_SIGNS_TEMPLATE,
      uid,
    });
    expect(created.versionUid.value).toBe(uid);
    expect(created.body).toBeUndefined();

    const read = await client.compositions.get(ehrId, created.versionUid.uuid, {
      format: "FLAT",
      templateId: VITAL_SIGNS_TEMPLATE,
    });
    expect(read?.deleted).toBe(false);
    if (read?.deleted !== false) throw new Error("expected a composition");
    expect(read.versionUid.value).toBe(uid);
    expect(
      read.composition["ehrn_vital_signs.v2/vital_signs:0/blood_pressure:0/any_event:0/systolic|magnitude"],
    ).toBe(120);

    const changed = {
      ...flat,
      "ehrn_vital_signs.v2/vital_signs:0/blood_pressure:0/any_event:0/systolic|magnitude": 131,
    };
    const updated = await client.compositions.update(ehrId, created.versionUid.uuid, uid, changed, {
      format: "FLAT",
      templateId: VITAL_SIGNS_TEMPLATE,
    });
    expect(updated.versionUid.version).toBe(2);

    // A stale If-Match is refused with 412 (and is not "already exists").
    const stale = await client.compositions
      .update(ehrId, created.versionUid.uuid, uid, changed, {
        format: "FLAT",
        templateId: VITAL_SIGNS_TEMPLATE,
      })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(EhrbasePreconditionFailedError);
    expect((stale as EhrbasePreconditionFailedError).uidAlreadyExists).toBe(false);

    const aql = await client.aql.query<[string, number]>(
      "SELECT c/uid/value, o/data[at0001]/events[at0006]/data[at0003]/items[at0004]/value/magnitude " +
        "FROM EHR e CONTAINS COMPOSITION c CONTAINS OBSERVATION o[openEHR-EHR-OBSERVATION.blood_pressure.v2] " +
        "WHERE e/ehr_id/value = $ehr",
      { parameters: { ehr: ehrId } },
    );
    expect(aql.rows).toEqual([[updated.versionUid.value, 131]]);

    const deletion = await client.compositions.delete(ehrId, updated.versionUid.value);
    expect(deletion.uuid).toBe(created.versionUid.uuid);
    expect(await client.compositions.get(ehrId, created.versionUid.uuid)).toEqual({ deleted: true });
  });

  it("answers a repeated client uid with 412 'already exists' — the idempotent-retry signal", async () => {
    const { ehrId } = await client.ehrs.ensure(newSubject());
    const uid = formatVersionUid(randomUUID(), await client.systemId(), 1);
    const flat = await vitalSignsFlat();
    await client.compositions.create(ehrId, flat, { format: "FLAT", templateId: VITAL_SIGNS_TEMPLATE, uid });
    const error = await client.compositions
      .create(ehrId, flat, { format: "FLAT", templateId: VITAL_SIGNS_TEMPLATE, uid })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EhrbasePreconditionFailedError);
    expect((error as EhrbasePreconditionFailedError).uidAlreadyExists).toBe(true);
    expect((error as EhrbasePreconditionFailedError).status).toBe(412);
  });

  it("creates and reads canonical JSON, returning the representation when asked", async () => {
    const { ehrId } = await client.ehrs.ensure(newSubject());
    const flatCreated = await client.compositions.create(ehrId, await vitalSignsFlat(), {
      format: "FLAT",
      templateId: VITAL_SIGNS_TEMPLATE,
    });
    const canonical = await client.compositions.get(ehrId, flatCreated.versionUid.value);
    if (canonical?.deleted !== false) throw new Error("expected a composition");
    const { uid: _uid, ...withoutUid } = canonical.composition as Record<string, unknown>;
    const created = await client.compositions.create(ehrId, withoutUid as never, {
      format: "JSON",
      returnRepresentation: true,
    });
    expect(created.versionUid.version).toBe(1);
    expect((created.body as unknown as { archetype_node_id: string }).archetype_node_id).toBe(
      "openEHR-EHR-COMPOSITION.encounter.v1",
    );
  });

  it("gives 404 for an unknown EHR and null for an unknown composition", async () => {
    await expect(
      client.compositions.create(randomUUID(), await vitalSignsFlat(), {
        format: "FLAT",
        templateId: VITAL_SIGNS_TEMPLATE,
      }),
    ).rejects.toBeInstanceOf(EhrbaseNotFoundError);
    const { ehrId } = await client.ehrs.ensure(newSubject());
    expect(await client.compositions.get(ehrId, randomUUID())).toBeNull();
  });

  it("gives 400 for an unknown FLAT path and 422 with parsed violations for a template breach", async () => {
    const { ehrId } = await client.ehrs.ensure(newSubject());
    const flat = await vitalSignsFlat();
    await expect(
      client.compositions.create(
        ehrId,
        { ...flat, "ehrn_vital_signs.v2/no_such_node": "x" },
        { format: "FLAT", templateId: VITAL_SIGNS_TEMPLATE },
      ),
    ).rejects.toBeInstanceOf(EhrbaseBadRequestError);

    // A negative systolic pressure breaks the template's range: a 422 with the AQL path of the element.
    const outOfRange = {
      ...flat,
      "ehrn_vital_signs.v2/vital_signs:0/blood_pressure:0/any_event:0/systolic|magnitude": -73,
    };
    const error = await client.compositions
      .create(ehrId, outOfRange, { format: "FLAT", templateId: VITAL_SIGNS_TEMPLATE })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EhrbaseValidationError);
    const violations = (error as EhrbaseValidationError).violations;
    expect(violations.length).toBeGreaterThan(0);
    expect(violations[0]!.path).toMatch(/^\/content\[openEHR-EHR-SECTION\.vital_signs\.v1/);
    // The server's text quotes the value; the error message names the path only.
    const validation = error as EhrbaseValidationError;
    expect(validation.serverMessage).toContain("-73");
    // The path holds a random EHR id, so look for the value only in the rest of the message.
    expect(validation.message.replace(validation.path, "")).not.toContain("-73");
    expect((error as Error).message).toContain(violations[0]!.path);
  });

  it("requires templateId for FLAT before sending", async () => {
    await expect(client.compositions.create(randomUUID(), {}, { format: "FLAT" })).rejects.toBeInstanceOf(
      EhrbaseInputError,
    );
  });
});

describe.runIf(fixturesPresent())("AQL", () => {
  it("runs a parameterised query with offset and fetch", async () => {
    const subject = newSubject();
    const { ehrId } = await client.ehrs.ensure(subject);
    for (let i = 0; i < 3; i++) {
      await client.compositions.create(ehrId, await vitalSignsFlat(), {
        format: "FLAT",
        templateId: VITAL_SIGNS_TEMPLATE,
      });
    }
    const all = await client.aql.query<[string]>(
      "SELECT c/uid/value FROM EHR e CONTAINS COMPOSITION c WHERE e/ehr_id/value = $ehr ORDER BY c/uid/value",
      { parameters: { ehr: ehrId } },
    );
    expect(all.columns).toEqual([{ name: "#0", path: "c/uid/value" }]);
    expect(all.rows.length).toBe(3);
    const page = await client.aql.query<[string]>(
      "SELECT c/uid/value FROM EHR e CONTAINS COMPOSITION c WHERE e/ehr_id/value = $ehr ORDER BY c/uid/value",
      { parameters: { ehr: ehrId }, offset: 1, fetch: 1 },
    );
    expect(page.rows).toEqual([all.rows[1]]);
  });

  it("gives 400 for AQL that does not parse", async () => {
    await expect(client.aql.query("SELEKT nonsense")).rejects.toBeInstanceOf(EhrbaseBadRequestError);
  });
});

describe("authentication", () => {
  it("gives 401 for a wrong password, not retried, without leaking the password", async () => {
    const eb = ehrbaseTestConfig();
    const wrong = new EhrbaseClient({
      baseUrl: eb.baseUrl,
      auth: { type: "basic", username: eb.user, password: "definitely-wrong-password" },
    });
    const error = await wrong.ehrs.get(randomUUID()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EhrbaseUnauthorizedError);
    expect((error as EhrbaseUnauthorizedError).status).toBe(401);
    expect((error as EhrbaseUnauthorizedError).retryable).toBe(false);
    expect(String(error)).not.toContain("definitely-wrong-password");
  });

  it("reads the server status", async () => {
    const status = await client.status();
    expect(status.ehrbase_version).toMatch(/^2\./);
  });
});
