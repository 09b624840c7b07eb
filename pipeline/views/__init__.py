"""What organizers read: matches, upcoming meetings, calendar feeds and the static page."""
