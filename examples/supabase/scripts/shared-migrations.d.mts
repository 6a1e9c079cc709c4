export declare const sharedSqlDir: string;
export declare const migrationsDir: string;
export declare const GENERATED_PREFIX: string;
export declare function expectedCopies(): { source: string; target: string }[];
