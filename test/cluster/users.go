package cluster

import (
	"crypto/rand"
	"fmt"
	"os"
	"strings"
)

// The users of the test cluster, authenticated by bearer token through
// kube-apiserver's --token-auth-file.
const (
	// UserAdmin is in system:masters: allowed everything, RBAC aside.
	UserAdmin = "admin"
	// UserRestricted is in group "restricted-users" and has no RBAC
	// binding: tests grant it exactly what they want with Roles.
	UserRestricted = "restricted"
	// UserViewer is in group "viewers" and has no RBAC binding either.
	UserViewer = "viewer"
)

type testUser struct {
	name   string
	groups []string
	token  string
}

// newUsers makes the users with fresh random tokens, so a token from one
// test cluster never works against another.
func newUsers() []testUser {
	users := []testUser{
		{name: UserAdmin, groups: []string{"system:masters"}},
		{name: UserRestricted, groups: []string{"restricted-users"}},
		{name: UserViewer, groups: []string{"viewers"}},
	}
	for i := range users {
		users[i].token = rand.Text()
	}
	return users
}

// writeTokenFile writes kube-apiserver's static token file: one CSV line
// per user, `token,user,uid,"group1,group2"`.
func writeTokenFile(path string, users []testUser) error {
	var b strings.Builder
	for _, u := range users {
		fmt.Fprintf(&b, "%s,%s,%s,%q\n", u.token, u.name, "uid-"+u.name, strings.Join(u.groups, ","))
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}
