"""The call for proposals: speakers propose sessions, committees review them, accepted talks join the program."""
