package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"
)

// newPasswdCmd is `escucha passwd`: it reads a password (without echo on a
// terminal, asking twice) and prints its bcrypt hash for web.users.*.password_hash.
func newPasswdCmd() *cobra.Command {
	var cost int
	cmd := &cobra.Command{
		Use:   "passwd",
		Short: "Print the bcrypt hash of a password for web.users (reads it from the terminal or stdin)",
		Long: `Reads a password and prints its bcrypt hash, to put under web.users.<login>.password_hash.
On a terminal the password is asked twice without echo; otherwise the first line of
standard input is read. The password itself is never printed or stored.

Lee una contraseña e imprime su hash bcrypt para web.users.<usuario>.password_hash.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			password, err := readPassword(cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
			if err != nil {
				return fmt.Errorf("hash password: %w", err)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(h))
			return err
		},
	}
	cmd.Flags().IntVar(&cost, "cost", bcrypt.DefaultCost, fmt.Sprintf("bcrypt cost, %d to %d", bcrypt.MinCost, bcrypt.MaxCost))
	return cmd
}

// readPassword reads from the terminal without echo when in is one, else
// the first line of in.
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "Password / Contraseña: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(prompt, "Again / Otra vez: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ / las contraseñas no coinciden")
		}
		return checkLength(string(a))
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	return checkLength(strings.TrimRight(line, "\r\n"))
}

func checkLength(p string) (string, error) {
	switch {
	case len(p) < 8:
		return "", errors.New("use at least 8 characters / usa al menos 8 caracteres")
	case len(p) > 72:
		return "", errors.New("bcrypt uses at most 72 bytes / bcrypt usa como mucho 72 bytes")
	}
	return p, nil
}
