"""Programme plans: governance bodies, people, programmes, workstreams, milestones, status."""
