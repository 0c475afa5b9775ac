"""The Textual dashboard: live workouts, replay and the clinic assessment."""
