CREATE TABLE "oncely_idempotency_keys" (
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
--> statement-breakpoint
-- Hand-added: the key table now comes from @oncely/idempotency (text principal ids, no foreign
-- key, text status). Live keys move over, so a retry within its TTL still replays.
INSERT INTO "oncely_idempotency_keys" ("principal_id", "key", "request_path", "fingerprint", "status",
  "response_status", "response_body", "created_at", "expires_at", "replay_count", "last_replayed_at",
  "request_body", "recovery_point", "phase_state", "locked_until", "lease_id")
SELECT "principal_id"::text, "key", "request_path", "fingerprint", "status"::text, "response_status",
  "response_body", "created_at", "expires_at", "replay_count", "last_replayed_at", "request_body",
  "recovery_point", "phase_state", "locked_until", "lease_id"
FROM "idempotency_keys" WHERE "expires_at" > now();--> statement-breakpoint
DROP TABLE "idempotency_keys" CASCADE;--> statement-breakpoint
CREATE INDEX "oncely_idempotency_keys_expires_idx" ON "oncely_idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "oncely_idempotency_keys_in_progress_idx" ON "oncely_idempotency_keys" USING btree ("locked_until") WHERE "oncely_idempotency_keys"."status" = 'in_progress';--> statement-breakpoint
DROP TYPE "public"."idempotency_key_status";