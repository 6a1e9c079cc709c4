/**
 * Requests without a key, with a wrong key, or with a JWT that is not the service role's get 401 and
 * claim nothing: the queued note stays untouched (no lease, no attempt) and EHRbase never hears of
 * the patient. Then the right credentials (Vault key, service-role JWT) are accepted.
 */
import assert from "node:assert/strict";
import { signHs256Jwt } from "../test/sign-jwt.ts";
import { ehrIdForSubject } from "./harness/ehrbase.ts";
import { setDoorbell, writeAndSignNote } from "./harness/notes.ts";
import { queueRowFor, subjectNamespace } from "./harness/queue.ts";
import { allRuns } from "./harness/runs.ts";
import { startScenario } from "./harness/scenario.ts";

const jwtSecret = `test-jwt-secret-${crypto.randomUUID()}`;

Deno.test({
  name: "the function refuses callers without the right key, and claims nothing for them",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const scenario = await startScenario({
      prefix: "sb_e2e_auth",
      env: { EHR_SYNC_JWT_SECRET: jwtSecret, EHR_SYNC_JWT_ISSUER: "supabase" },
    });
    try {
      await setDoorbell(scenario.db.sql, false);
      const note = await writeAndSignNote(scenario.db.sql);
      const before = await queueRowFor(scenario.db.sql, note.noteId);
      assert.equal(before?.status, "pending");

      const now = Math.floor(Date.now() / 1000);
      const refused: [string, string | null][] = [
        ["no key", null],
        ["a wrong key", `wrong-${crypto.randomUUID()}`],
        ["the Vault key with one character changed", `${scenario.functionKey.slice(0, -1)}x`],
        [
          "an anon JWT signed with the project secret",
          await signHs256Jwt({ role: "anon", exp: now + 600 }, jwtSecret),
        ],
        [
          "an authenticated JWT signed with the project secret",
          await signHs256Jwt({ role: "authenticated", exp: now + 600 }, jwtSecret),
        ],
        [
          "a service-role JWT without exp (it would never expire)",
          await signHs256Jwt({ role: "service_role", iss: "supabase" }, jwtSecret),
        ],
        [
          "a service-role JWT from another issuer",
          await signHs256Jwt({ role: "service_role", iss: "someone-else", exp: now + 600 }, jwtSecret),
        ],
        [
          "an expired service-role JWT",
          await signHs256Jwt({ role: "service_role", exp: now - 5 }, jwtSecret),
        ],
        [
          "a service-role JWT signed with another secret",
          await signHs256Jwt({ role: "service_role", exp: now + 600 }, `other-${jwtSecret}`),
        ],
      ];
      for (const [what, key] of refused) {
        await t.step(`401 for ${what}`, async () => {
          const { status, body } = await scenario.invoke({ trigger: "cron" }, key);
          assert.equal(status, 401);
          assert.equal(body.error, "unauthorized");
          assert.equal("runId" in body, false);
        });
      }

      await t.step("…and nothing was claimed: the queue row and EHRbase are untouched", async () => {
        const after = await queueRowFor(scenario.db.sql, note.noteId);
        assert.deepEqual(after, before);
        assert.equal((await allRuns(scenario.db.sql)).length, 0);
        assert.equal(await ehrIdForSubject(note.patientId, subjectNamespace), undefined);
      });

      await t.step("the Vault key and a valid service-role JWT are accepted", async () => {
        const viaVault = await scenario.run({ trigger: "cron" });
        assert.equal(viaVault.claimed, 1);
        assert.equal(viaVault.delivered, 1);
        const jwt = await signHs256Jwt({ role: "service_role", iss: "supabase", exp: now + 600 }, jwtSecret);
        const viaJwt = await scenario.run({ trigger: "cron" }, jwt);
        assert.equal(viaJwt.claimed, 0);
        assert.equal((await queueRowFor(scenario.db.sql, note.noteId))?.status, "succeeded");
      });
    } finally {
      await scenario.dispose();
    }
  },
});
