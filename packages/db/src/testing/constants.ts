/** The migrated database every test file's fresh database is copied from. */
export const TEMPLATE_DATABASE = "oncely_test_template";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of the one PostgreSQL cluster this test run uses. */
    oncelyPostgresUrl: string;
  }
}
