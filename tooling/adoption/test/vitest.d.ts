// The run's PostgreSQL, provided by the repo's test global setup (packages/db/src/testing).
declare module "vitest" {
  export interface ProvidedContext {
    oncelyPostgresUrl: string;
  }
}

export {};
