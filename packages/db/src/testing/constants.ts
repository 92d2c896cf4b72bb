/** The migrated database every test file's fresh database is copied from. */
export const TEMPLATE_DATABASE = "oncely_test_template";
