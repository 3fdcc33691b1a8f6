"""The email channel: parse RFC 5322 mail, send replies over SMTP, listen on IMAP."""
