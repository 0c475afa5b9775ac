"""The workout's screens: live or replayed workouts, help, the summary and the history."""
