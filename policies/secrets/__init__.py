"""Secret policies: generated secrets rotate, and secrets never come from literals in the program."""
