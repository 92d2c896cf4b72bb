/** Cookie that remembers a dismissed introduction (read on the server, so it never flashes). */
export const INTRO_COOKIE = "oncely_intro";
