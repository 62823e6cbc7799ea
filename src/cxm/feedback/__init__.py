"""Free text customers and staff give us: complaints, contact-centre notes, chats, posts."""
