"""Below and beside the grid: building, unit and ten-household heads; patrol plans and their coverage (issue 18 part 8).
The grid's police officer and judge are named with its contacts (services.direct_line.contacts)."""
