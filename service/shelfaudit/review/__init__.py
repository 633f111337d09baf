"""Review: the queue of photos a person must look at, their decisions and label corrections,
and the append-only audit trail. Decisions reach commission through ``PhotoReview`` rows,
which ``payouts.inputs`` turns into ``commission.Review`` records."""
