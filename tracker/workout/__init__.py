"""The home workout: programs, coach, holds, the session, progress, live and replay drivers."""
