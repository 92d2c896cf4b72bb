// What a request says about where it came from and how it arrived.

/**
 * Cookie-authenticated requests must come from this site's own pages (CSRF): browsers send
 * `Sec-Fetch-Site` and, on POST, `Origin`. Non-browser clients send neither and pass.
 */
export function isCrossSite(req: Request): boolean {
  const fetchSite = req.headers.get("sec-fetch-site");
  if (fetchSite === "cross-site" || fetchSite === "same-site") return true;
  const origin = req.headers.get("origin");
  if (!origin || origin === "null") return origin === "null";
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

/** Whether the browser reached us over https (directly, or through a proxy that says so). */
export function isHttps(req: Request): boolean {
  const forwarded = req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  if (forwarded) return forwarded === "https";
  return new URL(req.url).protocol === "https:";
}
