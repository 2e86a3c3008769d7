"""Creating the state checks need: namespaces, repositories, images; and removing it again."""
