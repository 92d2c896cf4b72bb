CREATE TABLE IF NOT EXISTS tips (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id text NOT NULL,
  amount_cents integer NOT NULL CHECK (amount_cents > 0),
  message text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
