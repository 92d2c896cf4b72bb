-- @oncely/idempotency: the key table. Generated from src/schema.ts by `pnpm generate:sql`; do not edit.
-- Apply the files of this folder in file-name order; applying one twice changes nothing.

CREATE TABLE IF NOT EXISTS "oncely_idempotency_keys" (
	"principal_id" text NOT NULL,
	"key" text NOT NULL,
	"request_path" text NOT NULL,
	"fingerprint" char(64) NOT NULL,
	"status" text NOT NULL,
	"response_status" integer,
	"response_body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"replay_count" integer DEFAULT 0 NOT NULL,
	"last_replayed_at" timestamp with time zone,
	"request_body" text,
	"recovery_point" text,
	"phase_state" text,
	"locked_until" timestamp with time zone,
	"lease_id" uuid,
	CONSTRAINT "oncely_idempotency_keys_pkey" PRIMARY KEY("principal_id","key"),
	CONSTRAINT "oncely_idempotency_keys_status_check" CHECK ("oncely_idempotency_keys"."status" IN ('in_progress', 'completed'))
);
CREATE INDEX IF NOT EXISTS "oncely_idempotency_keys_expires_idx" ON "oncely_idempotency_keys" USING btree ("expires_at");
CREATE INDEX IF NOT EXISTS "oncely_idempotency_keys_in_progress_idx" ON "oncely_idempotency_keys" USING btree ("locked_until") WHERE "oncely_idempotency_keys"."status" = 'in_progress';
