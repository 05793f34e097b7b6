"""What MTurk's documents mean, apart from the wire: questions and answers."""
