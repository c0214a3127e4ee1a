"""会商研判: review meetings and their action items, closed only with evidence (台账销号)."""
