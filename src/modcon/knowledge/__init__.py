"""Tables of facts about programs and images that rules and the resolver read."""
