/** buildContribution: the envelope EHRbase requires, and input errors that name the field, never the value. */
import { describe, expect, it } from "vitest";
import { buildContribution, type Composition, EhrbaseInputError } from "../src/index.js";

const SYSTEM = "local.ehrbase.org";
const AUDIT = { systemId: SYSTEM, committer: "ehr-sync" };
const UUID_A = "0f9a4c4e-7a4b-4d8c-9a55-2f0c1c7f3b11";
const UUID_B = "5d0c8f0e-1b2a-4c3d-8e9f-a0b1c2d3e4f5";

function composition(uid?: string): Composition {
  return {
    _type: "COMPOSITION",
    name: { value: "Note" },
    archetype_node_id: "openEHR-EHR-COMPOSITION.encounter.v1",
    ...(uid ? { uid: { _type: "OBJECT_VERSION_ID", value: uid } } : {}),
  };
}

function inputError(run: () => unknown): EhrbaseInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof EhrbaseInputError) return error;
    throw error;
  }
  throw new Error("expected an EhrbaseInputError");
}

describe("buildContribution", () => {
  it("wraps creations and modifications with the audits EHRbase requires and no time_committed", () => {
    const { body, versionUids } = buildContribution(
      [
        { composition: composition(`${UUID_A}::${SYSTEM}::1`) },
        {
          changeType: "modification",
          precedingVersionUid: `${UUID_B}::${SYSTEM}::3`,
          composition: composition(),
        },
      ],
      { ...AUDIT, description: "backlog" },
    );
    expect(versionUids).toEqual([`${UUID_A}::${SYSTEM}::1`, `${UUID_B}::${SYSTEM}::4`]);
    expect(JSON.stringify(body)).not.toContain("time_committed");
    expect(body.audit).toMatchObject({
      system_id: SYSTEM,
      committer: { _type: "PARTY_IDENTIFIED", name: "ehr-sync" },
      change_type: { value: "modification", defining_code: { code_string: "251" } },
      description: { value: "backlog" },
    });
    const [created, modified] = body.versions;
    expect(created).toMatchObject({
      _type: "ORIGINAL_VERSION",
      commit_audit: {
        system_id: SYSTEM,
        change_type: { value: "creation", defining_code: { code_string: "249" } },
      },
      lifecycle_state: { value: "complete", defining_code: { code_string: "532" } },
      data: { uid: { value: `${UUID_A}::${SYSTEM}::1` } },
    });
    expect(created).not.toHaveProperty("preceding_version_uid");
    expect(modified).toMatchObject({
      preceding_version_uid: { value: `${UUID_B}::${SYSTEM}::3` },
      data: { uid: { value: `${UUID_B}::${SYSTEM}::4` } },
    });
  });

  it("gives a creation without uid a fresh version-1 uid on the server's system", () => {
    const { versionUids, body } = buildContribution([{ composition: composition() }], AUDIT);
    expect(versionUids[0]).toMatch(new RegExp(`^[0-9a-f-]{36}::${SYSTEM.replaceAll(".", "\\.")}::1$`));
    expect(body.versions[0]!.data.uid?.value).toBe(versionUids[0]);
    expect(body.audit.change_type.value).toBe("creation");
  });

  it("names the field of each bad input and never echoes its value", () => {
    const secret = "patient-secret-4711";
    const cases: [() => unknown, string][] = [
      [() => buildContribution([], AUDIT), "versions"],
      [
        () => buildContribution([{ composition: { [`t/${secret}`]: 1 } as never }], AUDIT),
        "versions[0].composition",
      ],
      [() => buildContribution([{ composition: composition(secret) }], AUDIT), "versions[0].composition.uid"],
      [
        () => buildContribution([{ composition: composition(`${UUID_A}::${SYSTEM}::2`) }], AUDIT),
        "versions[0].composition.uid",
      ],
      [
        () =>
          buildContribution(
            [
              { composition: composition(`${UUID_A}::${SYSTEM}::1`) },
              { composition: composition(`${UUID_A}::${SYSTEM}::1`) },
            ],
            AUDIT,
          ),
        "versions[1].composition.uid",
      ],
      [
        () =>
          buildContribution(
            [{ changeType: "modification", precedingVersionUid: secret, composition: composition() }],
            AUDIT,
          ),
        "versions[0].precedingVersionUid",
      ],
      [
        () =>
          buildContribution(
            [
              {
                changeType: "modification",
                precedingVersionUid: `${UUID_A}::${SYSTEM}::1`,
                composition: composition(`${UUID_B}::${SYSTEM}::2`),
              },
            ],
            AUDIT,
          ),
        "versions[0].composition.uid",
      ],
      [
        () => buildContribution([{ composition: composition() }], { ...AUDIT, committer: " " }),
        "audit.committer",
      ],
      [
        () => buildContribution([{ composition: composition() }], { ...AUDIT, systemId: "" }),
        "audit.systemId",
      ],
    ];
    for (const [run, field] of cases) {
      const error = inputError(run);
      expect(error.field).toBe(field);
      expect(error.message).not.toContain(secret);
    }
  });
});
