"""领导包案 (leader-owned cases with a task force) and 联合处置 1+1+N (joint handling with sub-tasks and clocks)."""
