-- The relay now deletes the notices it queues, in the transaction that takes them: the outbox holds only
-- notices still to queue. Those already queued (kept a day for inspection until now) go; the queue has them.
DELETE FROM "sms_outbox" WHERE "relayed_at" IS NOT NULL;--> statement-breakpoint
DROP INDEX "sms_outbox_pending_idx";--> statement-breakpoint
DROP INDEX "sms_outbox_transaction_id_idx";--> statement-breakpoint
ALTER TABLE "sms_outbox" DROP COLUMN "relayed_at";
