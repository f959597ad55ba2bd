"""The pupil register in the admin: its viewsets and forms, carer invitations and
no-contact restrictions, and the one gate through which an adult becomes a linked carer."""
