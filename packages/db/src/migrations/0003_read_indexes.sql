CREATE INDEX "customers_first_name_idx" ON "customers" USING btree ("first_name","created_at","id");--> statement-breakpoint
CREATE INDEX "customers_last_name_idx" ON "customers" USING btree ("last_name","created_at","id");--> statement-breakpoint
CREATE INDEX "customers_role_idx" ON "customers" USING btree ("role","created_at","id") WHERE "customers"."role" <> 'CUSTOMER';--> statement-breakpoint
CREATE INDEX "transactions_type_idx" ON "transactions" USING btree ("transaction_type_id","created_at","id");--> statement-breakpoint
CREATE INDEX "transactions_amount_idx" ON "transactions" USING btree ("amount","created_at","id");--> statement-breakpoint
CREATE INDEX "transactions_status_idx" ON "transactions" USING btree ("status","created_at","id") WHERE "transactions"."status" <> 'COMPLETED';--> statement-breakpoint
CREATE INDEX "wallets_wallet_type_idx" ON "wallets" USING btree ("wallet_type_id","created_at","id");--> statement-breakpoint
CREATE INDEX "wallets_status_idx" ON "wallets" USING btree ("status","created_at","id") WHERE "wallets"."status" <> 'ACTIVE';