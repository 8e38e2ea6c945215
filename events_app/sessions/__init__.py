"""The program: rooms, tracks, sessions, speakers, schedule releases, agendas and calendar feeds."""
