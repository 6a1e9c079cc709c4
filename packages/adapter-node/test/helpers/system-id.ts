/**
 * EHRbase's system id (`server.nodename`, the test bed runs EHRbase's default) for workers started by
 * tests that are about something else. Discovering it needs an EHR on the server already
 * (EhrbaseClient.systemId() reads it with AQL from any EHR), which a freshly started EHRbase does not
 * have; configuring it keeps such a test independent of which test files ran before it.
 */
export const EHRBASE_SYSTEM_ID = process.env.EHRBASE_SYSTEM_ID ?? "local.ehrbase.org";
