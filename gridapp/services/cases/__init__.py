"""Cases: intake from every channel, the state machine, moving a case, and what a viewer sees of it."""
