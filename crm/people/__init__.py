"""People: users and roles, the admin's user screens, invitations and the one-time
link, reassigning a book to another agent, and strangers who write to the bot."""
