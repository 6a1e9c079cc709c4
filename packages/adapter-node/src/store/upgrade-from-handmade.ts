import type { Db } from "./db.js";

/** One line of the upgrade's report: what it does (or would do) and to how many items. */
export interface UpgradeStep {
  action: string;
  target: string;
  items: number;
}

/**
 * Upgrades in place from the hand-made setup ehr-sync replaces (see packages/core/sql/0007). The pg_cron
 * job keeps its name; for the Node worker its command rings the worker's doorbell. One transaction;
 * a dry run changes nothing and reports the same steps.
 */
export const NODE_JOB_COMMAND = "select pg_notify('ehr_sync', 'cron')";

export async function upgradeFromHandmade(db: Db, dryRun: boolean): Promise<UpgradeStep[]> {
  const result = await db.query<UpgradeStep>(
    "select action, target, items from ehr_sync.upgrade_from_handmade(p_dry_run => $1, p_job_command => $2)",
    [dryRun, NODE_JOB_COMMAND],
  );
  return result.rows;
}
